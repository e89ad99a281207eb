"""powercom: PowerCom, Trust, Advice, Socomec Egys and OptiUPS serial UPSes."""
