from navwatch.cli import main

main()
