"""The daemon's HTTP side (gateway layer): `/healthz`, `/metrics`, `/status` and the read-only dashboard."""
