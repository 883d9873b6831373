"""therabill's benchmarks: ``make bench`` runs them and writes docs/performance.md."""
