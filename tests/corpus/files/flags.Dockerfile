FROM --platform=$BUILDPLATFORM python:3.12 AS build
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=npmrc,dst="/root/.npmrc" pip install .
RUN --mount=type=bind,target='/a b',source=. ls
COPY --chown=app:app --chmod=0644 --link a /b
COPY --from=build --link=false /venv /venv
RUN --mount=type=cache,target=/x\ y true
RUN --network=none -- --not-a-flag
RUN --
RUN --=x --"" echo
RUN --a="unterminated
ADD --keep-git-dir=true https://example.com/r.git /r
