"""AWS adapters: thin classes around injected boto3 clients."""
