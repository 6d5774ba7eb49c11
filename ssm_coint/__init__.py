"""ssm_coint: Kalman-filter hedge-ratio state-space models calibrated by maximum likelihood."""
