TOKEN = "glpat-Ab3dEf5hIj7kMn9pQr0t"  # gitleaks:allow
