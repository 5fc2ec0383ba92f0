"""The synthetic county (demo and benchmarks) and the demo personas."""
