"""The pieces of the ``softmax-ext`` command line behind ``fit`` and ``predict``.

``softmax_ext.cli`` parses the arguments and dispatches; the modules here do
the work it names:

- :mod:`.errors`: ``CLIError`` (a message for the user) and the exit statuses;
- :mod:`.options`: the argparse types of the options (numbers, thread counts);
- :mod:`.progress`: the progress lines on stderr;
- :mod:`.csv_reader`: CSV files, read by numpy's C ``loadtxt`` with every
  line checked on its way;
- :mod:`.data`: the data-file dispatcher (``.csv``, ``.npz``, ``.npy``);
- :mod:`.model_file`: the ``.npz`` model format and ``--trust`` for pickles.
"""
