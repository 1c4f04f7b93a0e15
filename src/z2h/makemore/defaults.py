"""makemore's defaults: the library's functions and the CLI's flags both read them from here."""

DEFAULT_MODEL = "transformer"  # `train` without --model: good names in a couple of minutes
DEFAULT_DATA = "names"  # the lectures' word list
DEFAULT_BATCH_SIZE = 32  # examples per step when neither the recipe nor --batch-size says
