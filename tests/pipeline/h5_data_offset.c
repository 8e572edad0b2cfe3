/* h5_data_offset FILE DATASET: prints the file offset of the first byte of DATASET's raw data
 * (its first chunk when chunked) and the number of bytes stored there, so that a test can
 * damage exactly the data and not the metadata. Exit 1 when the dataset has no raw data. */
#include <hdf5.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: h5_data_offset FILE DATASET\n");
        return 2;
    }
    hid_t f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return 1;
    hid_t d = H5Dopen2(f, argv[2], H5P_DEFAULT);
    if (d < 0) return 1;
    hid_t dcpl = H5Dget_create_plist(d);
    haddr_t addr = HADDR_UNDEF;
    hsize_t size = 0;
    if (dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED) {
        hid_t space = H5Dget_space(d);
        hsize_t offset[8];
        unsigned mask = 0;
        if (space < 0 || H5Dget_chunk_info(d, space, 0, offset, &mask, &addr, &size) < 0) addr = HADDR_UNDEF;
        if (space >= 0) H5Sclose(space);
    } else {
        addr = H5Dget_offset(d);
        size = H5Dget_storage_size(d);
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    H5Dclose(d);
    H5Fclose(f);
    if (addr == HADDR_UNDEF || size == 0) {
        fprintf(stderr, "h5_data_offset: %s in %s has no raw data in the file\n", argv[2], argv[1]);
        return 1;
    }
    printf("%llu %llu\n", (unsigned long long)addr, (unsigned long long)size);
    return 0;
}
