// The PNG, JPEG, BMP and GIF header reader that bounds an image's size before OpenCV decodes it.
#include "FuzzSupport.h"
#include "data/ImageHeader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    (void)pare::data::claimedImageSize(pare::fuzz::view(data, size));
    return 0;
}
