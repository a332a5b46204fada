from buyersync.cli import main

main()
