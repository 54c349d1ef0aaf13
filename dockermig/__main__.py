from dockermig.cli import main

main()
