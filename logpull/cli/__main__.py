from logpull.cli import main

main()
