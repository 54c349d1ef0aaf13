FROM alpine
RUN python3 <<'PY'
FROM = 1
# not a comment
import sys \
PY
RUN echo after
