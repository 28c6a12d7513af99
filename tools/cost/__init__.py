"""The cost model of `make cost`: list `prices`, what each request `uses` (measured by
running the app's code), and the monthly `estimate` and its `report`.
"""
