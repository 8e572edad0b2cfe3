/* Fuzzes the PNG and JPEG decoding through ddad's wrappers (data/image*.c): the input is
 * the image file; the wrapper picks the decoder by signature. */
#include <stdio.h>
#include <stdlib.h>

#include "data/image.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("image", data, size);
    ddad_gray_image img;
    ddad_error err = {0};
    if (ddad_image_load_gray(path, &img, &err) == 0) {
        if (img.width < 1 || img.height < 1 || !img.pixels) __builtin_trap();
        /* Touch every pixel: an image smaller than it claims shows up under ASan. */
        unsigned sum = 0;
        for (size_t i = 0; i < (size_t)img.width * (size_t)img.height; i++) sum += img.pixels[i];
        free(img.pixels);
        if (sum == 0xffffffffu) fprintf(stderr, "%u\n", sum);   /* keeps the loop */
    } else if (!err.msg[0] || img.pixels) {
        fprintf(stderr, "image reader failed without a message or left pixels allocated\n");
        __builtin_trap();
    }
    return 0;
}
