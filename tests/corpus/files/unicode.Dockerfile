FROM alpine
# 日本語のコメント ✓
LABEL description="Café ☕ — naïve"
RUN echo 'שלום 🐳'
WORKDIR /srv/données
RUN echo non-breaking-space-in-name
ENV A=é B= x
