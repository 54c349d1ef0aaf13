import jinja2

print(jinja2.Template("reports ready: {{ n }}").render(n=0))
