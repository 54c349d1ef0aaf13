FROM alpine
ONBUILD RUN echo one
onbuild copy --chown=1 . /src
ONBUILD --flag RUN --mount=type=cache,target=/c make
ONBUILD CMD ["serve"]
ONBUILD
ONBUILD ONBUILD RUN echo nested
ONBUILD RUN echo a \
  b
