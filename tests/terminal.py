"""A command started as a terminal starts it: Ctrl-C (SIGINT) raises KeyboardInterrupt in it. A process inherits an
ignored SIGINT, and Python then leaves it ignored: the tests that send Ctrl-C to `cli.py` failed when the test run
itself was a background job of a script (whose shell ignores SIGINT for it). Run `cli.py` as
`[sys.executable, *AS_FROM_A_TERMINAL, "cli.py", ...]`."""

AS_FROM_A_TERMINAL = ["-c", "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                            "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"]
