"""The billing portal's shared package: domain, models, data access and adapters."""
