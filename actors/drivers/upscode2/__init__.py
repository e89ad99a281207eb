"""upscode2: UPScode II units (Fiskars, Powerware, Compaq, Exide) on a serial line."""
