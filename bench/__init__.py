"""Load benchmark: dataset generator, locust scenarios and the `make bench` runner."""
