"""Console accounts: navigators, supervisors and admins, and how they sign in."""
