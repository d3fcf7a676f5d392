"""STCN (Cheng et al., NeurIPS 2021): space-time correspondence networks for semi-supervised VOS."""
