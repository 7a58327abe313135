"""`python run_gateway.py …` is the same as the `carm-gateway` console script."""

from gateway.cli import main

if __name__ == "__main__":
    main()
