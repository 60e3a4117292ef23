"""The machinery that built nasdemo's tabular benchmark (``nasdemo/data/nb201_mnist1d.csv.gz``).

Not needed to use the table (``nasdemo.nas.Benchmark.default()``) or to train one cell
(``nasdemo.nas.train_cell``); read it to see how the table was made, or to build another:

- ``population``: K networks trained at once as one vectorised PyTorch model
  (``PopulationNetwork``, ``train_population``);
- ``build``: the command line that plans the runs, appends them to a runs file, and
  finalises the runs into the table: ``python -m nasdemo.nas.table.build --help``.
"""
