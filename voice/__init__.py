"""The edge of the assistant: audio devices, speech recognition, speech synthesis, the live loops.

Engine and hardware libraries are imported only inside the module that wraps them, so ``import voice`` works on a
machine without PortAudio or a model, and the error names what to install.
"""
