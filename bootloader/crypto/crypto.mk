# Included by the bootloader's Makefile. Set CRYPTO_DIR to this directory first, e.g.
#   CRYPTO_DIR := bootloader/crypto
#   include $(CRYPTO_DIR)/crypto.mk
#   SRCS += $(CRYPTO_SRCS)
#   CFLAGS += -I$(CRYPTO_INC)
CRYPTO_SRCS := $(CRYPTO_DIR)/sha256.c $(CRYPTO_DIR)/sha512.c $(CRYPTO_DIR)/ed25519.c
CRYPTO_INC := $(CRYPTO_DIR)
