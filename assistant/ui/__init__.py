"""The web chat for officials and the maintainers' console (Gradio), with login, audit log and feedback."""
