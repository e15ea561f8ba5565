from dashboard.cli import app
from etl.settings import run_command

run_command(app, "python -m dashboard")
