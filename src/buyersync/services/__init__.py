"""The library API every entry point calls: reading deals, locating evidence, analysing."""
