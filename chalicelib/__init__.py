"""Everything the Lambda functions ship besides app.py."""
