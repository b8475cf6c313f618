"""The reports, each written once as Ibis expressions over ``sources.RAW`` (and friends) and run
unchanged on every engine; the Python around them only shapes the engines' small results."""
