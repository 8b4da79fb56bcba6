"""The local stack: moto in server mode, the template's resources, demo data, and an HTTP gateway that
turns requests into the API Gateway events the template's routes deliver. Never deployed."""
