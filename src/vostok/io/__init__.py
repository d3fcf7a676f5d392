"""Reading and writing frames, masks, grey maps, optical flow, overlays, RLE and result folders."""
