"""Operations: what a load balancer or an operator asks of a running Rightsdesk (/healthz)."""
