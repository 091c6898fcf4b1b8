// A model is read from GGUF: whoever uses the model sees the file format's types too.
@_exported import SluiceGGUF
