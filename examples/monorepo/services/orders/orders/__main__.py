import psycopg2

print(f"orders worker using psycopg2 {psycopg2.__version__}")
