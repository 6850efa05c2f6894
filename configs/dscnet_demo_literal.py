# configs/dscnet_demo.py with the paper read literally where docs/method.md
# reads it otherwise (see _base_/models/dscnet_literal.py).
_base_ = ['./dscnet_demo.py', './_base_/models/dscnet_literal.py']

model = {{_base_.literal_model}}
