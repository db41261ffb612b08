from imaging_hub.cli import app

app(prog_name="imaging-hub")
