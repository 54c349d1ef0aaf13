"""An ARG or ENV name suggests that it contains a secret.

## What it does
BuildKit's SecretsUsedInArgOrEnv check: flags ARG and ENV names that contain
apikey, auth, credential(s), key, password, pword, passwd, secret or token
as a whole `_`-separated word, unless they also contain the word public
(`PUBLIC_KEY`).

## Why it matters
ARG values are recorded in the image history and ENV values in its config;
anyone who can pull the image can read them.

## Example
```dockerfile
ARG GITHUB_TOKEN
```

## Fix
Pass the secret with a secret mount: `RUN --mount=type=secret,id=github_token ...`.
"""

import re

from dockermig.check.findings import Diagnostic, text_span
from dockermig.model import parse_arg_pairs, parse_env_pairs

CODE = "DM314"
NAME = "secrets-used-in-arg-or-env"
SEVERITY = "warning"
BUILDKIT_NAME = "SecretsUsedInArgOrEnv"
SECRET_WORDS = (
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "pword",
    "passwd",
    "secret",
    "token",
)
SECRET = re.compile(r"(?i)(?:_|^)(?:" + "|".join(SECRET_WORDS) + r")(?:_|$)")
ALLOWED = re.compile(r"(?i)(?:_|^)public(?:_|$)")


def check(context):
    for instruction in context.tree.instructions:
        if instruction.name == "ARG":
            names = parse_arg_pairs(instruction.arguments)
        elif instruction.name == "ENV":
            names = parse_env_pairs(instruction.arguments)
        else:
            continue
        for name in names:
            if SECRET.search(name) and not ALLOWED.search(name):
                span = text_span(instruction, name, len(instruction.keyword))
                yield Diagnostic(
                    span,
                    f"{instruction.name} {name} may hold sensitive data, which the image keeps",
                    "pass it with `RUN --mount=type=secret` instead",
                )
