from anthology.cli import main

main()
