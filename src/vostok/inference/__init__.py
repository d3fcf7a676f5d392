"""What every predictor shares: per-frame results, the streaming driver, memory banks, precision."""
