"""IMSFR (TIP 2023): isogenous memory sampling and frame relation mining, built on STCN."""
