"""The hasher of one-time passwords (initial and reset passwords made by ``accounts.services``).

Key stretching (PBKDF2's 1,000,000 rounds) protects passwords people choose; a one-time password is
12 characters drawn at random from 64 (72 bits), which no number of guesses reaches, and it must be
replaced at the first login (the new one is hashed with the default hasher). Fewer rounds let the
account administrator import 1,000 users in seconds instead of an hour (benchmarks/accounts_bench.py).
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneTimePasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_onetime"
    iterations = 1000
