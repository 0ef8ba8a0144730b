"""The emotion network: its settings (`config`), the `nn.Module` (`module`), its training loop (`fit`), and the
model that puts features and network together (`model`)."""
