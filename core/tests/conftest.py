from evaluations.tests.conftest import centers, people  # noqa: F401 - the evaluation tests' factories
