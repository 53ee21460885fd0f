"""Start Rasa with its API token taken from the environment, not the command line.

`rasa run --auth-token X` would show the token to anyone who can list processes (`ps`).
`helpline serve rasa` starts this module instead, with RASA_TOKEN in the environment;
the token is moved into Rasa's own arguments inside this process, where `ps` cannot see
it, and removed from the environment so nothing Rasa starts inherits it.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    token = os.environ.pop("RASA_TOKEN", "")
    if not token:
        sys.exit("RASA_TOKEN is not set: run `make setup` or set it in .env")
    sys.argv = ["rasa", "run", *sys.argv[1:], "--auth-token", token]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
