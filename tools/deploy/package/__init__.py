"""The CloudFormation path: `make package` runs `chalice package` (`build`) and adds to its
template what `chalice deploy` leaves out: the table and data policies, API Gateway's own
answers (`gateway`), bytecode in the zip, releases with canaries (`release`), alarms,
WAF and API keys (`edge`), the user pool, 405s (`rest_methods`), and the HTTP API variant.
"""
