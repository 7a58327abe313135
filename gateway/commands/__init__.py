"""Operator commands grouped by subject (gateway layer), registered on the root `carm-gateway` group."""
