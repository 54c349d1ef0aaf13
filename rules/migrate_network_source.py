"""Migrate step: refuse images that fetch their source from the network at build time.

Such an image builds whatever the remote contains at that moment, so dockermig
cannot read its dependencies from the build context or prove the rewrite.
"""

import re

from dockermig.model import Stage

_CLONE = re.compile(r"\b(?:git\s+clone|svn\s+(?:checkout|co)|hg\s+clone)\b")
_REMOTE_SOURCE = re.compile(r"^(?:https?://\S+\.git(?:#\S*)?|git@\S+|git://\S+)$")


def find_network_source(stage: Stage) -> str:
    """Return the reason when the stage clones its source at build time, or an empty string."""
    for instruction in stage.instructions:
        text = "\n".join(
            [instruction.arguments, *(doc.content for doc in instruction.heredocs)]
        )
        if instruction.name == "RUN" and _CLONE.search(text):
            return (
                f"line {instruction.line}: the source is cloned from the network at build "
                "time; copy it from the build context instead"
            )
        if instruction.name == "ADD":
            sources = instruction.arguments.split()[:-1]
            if any(_REMOTE_SOURCE.match(source) for source in sources):
                return (
                    f"line {instruction.line}: ADD fetches a git repository at build time; "
                    "copy the source from the build context instead"
                )
    return ""
