// Hashes of llama.cpp's outputs on referenceWeights(32, 1024, 1), the expected values of reference.test.ts.
//
// Produced by ggml (github.com/ggml-org/ggml at d99724f2, ggml-quants.c; the same code as
// llama.cpp's ggml) built with gcc -O3 for baseline x86-64 (SSE2, no FMA, so no contraction):
// `blocks` is the SHA-256 of ggml_quantize_chunk's output without an importance matrix (for the
// block types below that is quantize_row_*_ref, for iq4_nl quantize_iq4_nl with ntry = 7),
// `rows` the first 16 hex digits of each row's SHA-256 (to name the first differing row), and
// `dequantized` the SHA-256 of the f32 values ggml's to_float (dequantize_row_*) gives for
// those bytes. `iq4_nl_ref` is quantize_row_iq4_nl_ref (ntry = -1) and `mxfp4_ref`
// quantize_row_mxfp4_ref, both compared with lowbit's emulations of them.

/** The weights the hashes were computed from: referenceWeights(rows, cols, seed). */
export const REFERENCE_INPUT = { rows: 32, cols: 1024, seed: 1 } as const;

/** Expected hashes per ggml type (see the file comment). */
export const REFERENCE_HASHES: Readonly<Record<string, { readonly blocks: string; readonly dequantized: string; readonly rows: readonly string[] }>> = {
  q4_0: {
    blocks: '2a803fec442e88203e2daa87a084147e8b956a3c002268ea0c98e089eac9c940',
    dequantized: '16ae6b1c6ff832a826f0aa0497a230ad9fc39b1b6db384de83a632970ce77f3b',
    rows: [
      'e2a9f8576131b165', 'f2259900877e0cb6', 'fa792486cd4dcb48', '27a11d3eee6c1e0f',
      '0ce1d202e81530f1', '7161529ea6e9b40e', '9cb9ef289d7aefe2', 'da6c195d7db2f737',
      'b429c78a11c1e6f3', 'dae8d16ef889798c', '7b410284f33724ac', '8b61766155a2861d',
      'ffab214b6d072345', '5208ceb65a82a5ac', 'bdf5d7b31cb068e5', '79fc7302e4e147f0',
      '7fb5ab96e2e3bb54', '2c7ca809f0068b21', '9525e2426e38b536', '11ec645e3f7dc8ca',
      'c1c90947e7dda349', '3367b04b05c60bd5', '9b521eb5cc9c05cd', 'ce5aae242a133850',
      'b838466326fce449', 'cf6afed07ba04103', '65a3a1d5e249818c', '0b53bc4d062cfde3',
      '876b74aa694c059a', '23fee456d2b548d3', '2d236c6f54d37c20', '2fbe70c511b170fe',
    ],
  },
  q4_1: {
    blocks: 'afbf21deb985f42b12777afcddcee2aaba4a5f576fc9e9c37fe365af19a91635',
    dequantized: '27cda2b4a1e5e17e138868af5269f9385de930c4d3e4eefe371f9cf4364623c0',
    rows: [
      'd3a81febea16b40a', '5a5d653c4caa063f', '483ce3e7fa543d1b', 'e8141df4ccf22016',
      '81c9df21d9281029', '46a2c20eb4128b6c', '9ffc37e4694db91b', '2cd617c8f83a46ed',
      'b19f9273d3a7014d', 'd6c689fceff370b1', '1528a151f77b93eb', 'f4213a62d04ce038',
      'be24d3c4f3e0c9ed', 'edd7a254d2952e2f', '9cb2d3d751503ed7', '83305afc93d1d802',
      'ac500103d9de1eea', '9c4ed0161cbae92e', '6226ef4505511d43', 'eef6ca833123c2e4',
      '60162763c8a4d5cb', '414a90fb81938c2b', '62e8a327cd809b07', 'e0fca09a534f8b3f',
      '720e08d78fdf66a6', '2bf2d8ca1c63fe26', '547fcc209e291a47', 'aea563b8d349de4d',
      '8d0927a5351d0d1c', 'fb4203dbceb77f98', 'd2cfa8224beb1d31', '81da2b643aeccf2f',
    ],
  },
  q5_0: {
    blocks: 'f376df81a6bafc31b9bb2118ea294297d1d0c3b53b2905ba965a74d3603bdc71',
    dequantized: '3f946a48752e7067194c26e6d4aef101b89df83e02b7c379428c92fd735c53ad',
    rows: [
      '0b4e5ac751d565bd', '2f2740a3707193b8', 'b9549b920d0bbb86', '886a34ba20206443',
      'ebdefa6de82a879e', '1e878c62400b07c3', 'eeda89354fefcdaf', 'ec2be761c894000e',
      '99bd4bc6c148ae85', '5898b60df48cc2af', '76c026f80158206c', 'af1b957739c6ecb2',
      'dbdec93b63db028e', '1d854fec775b1667', '539e3132f922b266', '3f6a04d9820bf317',
      '0324c2fe24a90414', '463bf5f065a13e22', '8ad060618cf23ae1', '4d5f0e008222fc5c',
      '491de087b95fe4c8', '0ecdd0f8a82bb57d', 'ee53fbf37946ede3', 'c9a69328f1321552',
      'dac55ba27a1ad9f1', '3d2f475f33241109', '77af7b522c31d92f', 'd0851e698d9ac0e5',
      'a44d7fdfc9dee7dd', '6526b39f78b6f9c5', '6da99a1fbc0ba02d', '98ab63fa9bca3d12',
    ],
  },
  q5_1: {
    blocks: '36ce202750c365a97f1e7c51ca942965a5659c060cc5704a604496888868bb3d',
    dequantized: '165aa735f42985ffc3fbe28194d460dd5161508df2480f8f17714ca11e35e815',
    rows: [
      'bae4d7d55c59d583', 'b3e0832519f45b36', '413752cb36b1859f', '86089cbdef797519',
      'b211a42f4b700b55', '7d056f3ba40359d7', '160bf4306a858687', '1e53d3784190d0db',
      'befdd7b4bb4b4c57', '466599d434c01f2a', '82b59fc1195cd26f', '9cbb2d117911a7b6',
      'e11c60952162563a', '46d08d402875c664', '7981f485e19cd839', '6626532371c888a6',
      '56f993ca38deedba', 'd2ed88594d10acae', '7ad3b5226eba8d27', '1e295de05c6dabce',
      '462b9766612cc615', '627a717e4a253fb4', '7e1830909d21e354', 'b23de17b63bc03e5',
      'f31d569d920adf00', '0d72b2649ba87d54', 'c886338d06975076', 'efaa032d649c2a86',
      'eeadde3a863ef7b4', '26629f307f310d27', '85c56b0678628c4a', 'b17e391aa7abc4a3',
    ],
  },
  q8_0: {
    blocks: 'b0afe26832815173bbbc2590fa110d938bf5575cfa0af82d262068d55ce72b08',
    dequantized: '51d7590804c018fbe3886b68a250c764be3384870f275c8237c61efca593d4d8',
    rows: [
      '06048b7efff76c4d', '9eae5e9ba3442355', 'bcaa144416b3399c', 'd442eb0477faa7fc',
      '6ff693be1db8bc0b', '2200485c9fd189fc', '79f055338d584682', '181db7f3b89fcabb',
      '51718c9c54c76157', '0bef6e70bbc0f80c', '08a0681d2a1b35c8', '577704415bd1f7bf',
      '41d608559ef28fdf', '541f2eea81ea23f5', 'ea7c95166f18574d', '7fe1d1ad65faeaa1',
      '6f3daaeadd177cf9', '32844ca2e595b03a', '176d121efa0e55ba', 'a9086084be36776f',
      '83cc7db0306fdc66', '97db89101e06f95c', '17603afdb7c9eb4a', 'b6f040394fcd6a62',
      'a0e4a027058b3e5d', 'b0dc98d4862ad17f', 'c686ce7e089baa71', '2e1e9a3e5a2c9b83',
      '972a8e10b84c9010', '54db86571c263ab7', 'aa9d71d2e878d94d', 'ab69dabcf6df35db',
    ],
  },
  q2_k: {
    blocks: 'bdfd21c3000a01439a54f120580582147c5bae27a668f9db546b48422278e04c',
    dequantized: '3857881561df7593e65bac8572a4904106890b470500377f92cb847375dff92f',
    rows: [
      '97cfa3eee38d2d22', '603dd5584343af42', '4bac8e67fb6ec621', '88435dad5def7fba',
      'f4922067616a7b18', '0e045bd7671db857', '07803bd6d789385a', 'd26a209ed3b67758',
      '65c18536ed6cca33', '1ba7800ab44c04b2', '53be2f715d078f41', 'f89e51f73cf633a8',
      '29520a820e17d0fb', '50f65d42fba14670', '01a8205e1e5ce28e', '5cc909be841e298a',
      'af902a7a56b9927e', '0cc69a958e6cecd9', '42cfd71e94390e5a', 'f0b3c679dc30cc4a',
      '8fe4fd67da3a9de6', '50f65beb9b690e38', '35bd8148f9a65425', '917a9e6584ff9962',
      '7f694ce9d77a3b28', 'bc9cf501acd2e7b3', 'f11f3a16e12a1d51', 'cf4d015272a4f08b',
      'e6893c345ab88ab9', '7af9df3234cf7257', '4787387c785f0762', 'd0ce7a8bca8a2ad4',
    ],
  },
  q3_k: {
    blocks: '3aeb4dddad9f8a2f3bf957b553debe6f684b063480d478d2916363ac62455453',
    dequantized: '71eaccdb18e6f96933079ae0b06d9b8c1cc6f2169ce7af84dd7ef80ec55ba5c9',
    rows: [
      '99bd6a7e0db27dff', '71f25a59e3cd8922', 'eef1c0e8f8565b46', '400b6740a8a4346c',
      'ddd27a2289a185fe', '779136e7c2f48f04', '360d579dbd14759b', '0fc5dc7f615cd418',
      '40d2c3e022b0ddf7', '8c79bcf713e295d1', '48efe573a0332678', '362f496c7e152a71',
      '013d737bb44ab383', 'bafd591e9060b398', '26a1098c35558d8a', '2ae86a1db51b0bed',
      'f6508d4016d1d1a1', 'e8bbc9805fbaceb4', '6d7b688ae6e4654e', 'fde8866f369cced3',
      '727bd8f4ea542321', 'fb03b783cd3ddb05', '360d579dbd14759b', '1f9cc371f0e0d507',
      '9ea4921d2bceea67', '778c61c511a23b64', '9fac4e08233f1016', '73e52f1cc9e4d4b7',
      '1a0f186c1cae878e', 'a61431b491cdb436', 'bafbcbeb207a9885', 'c8f59928f3425930',
    ],
  },
  q4_k: {
    blocks: '00b93438dfc412ac288b85018e5863bef5b7d2787ce48ae7e7f4a2547125c6d0',
    dequantized: '3d112ff024f154a259070fafcc226a995c2849f1844c6d9161fc95232868e391',
    rows: [
      'd6314af97924d0f7', '4c4757c1d0c2d467', 'd56e093b742b5388', '036146a8311515f6',
      'cdc31a53447e83ae', '9625450d6fda962d', '65baa59565cdfd6a', 'd1f92b70e664a1ee',
      'faf6c1a41361c346', 'd6af7cfdb65da187', '5e6b4b3c64316c4a', '88a854b7fa538c87',
      '4225241ea08d318f', '1b3907006a359c7a', '1773485646130f33', 'fce973834825297a',
      'e14ebe796d48d185', '3ddbcad1f969b108', 'f65831461da48914', '004cc574084dfb54',
      'a75a6659c20fa364', 'de1bad172b51a911', 'b16ba1f3b84a7744', '99bfc09f9bd3464f',
      '4b4d72fed414eee5', 'f6aeba8d8a250191', '2537b9ddc77e8244', '8ac008b94ca8abb6',
      '4445656b0ef8984c', 'e3403b6fd9dd6582', '6dc68189317474d7', 'dcc0502637553adf',
    ],
  },
  q5_k: {
    blocks: 'cefa84d5eba09fc570ec5022e225f8c074c63f2394c0232faca149a6680aca0a',
    dequantized: 'bead11f421ed3cafb8ee78e043c7c8e9709b78c7e1fe376f7392272058b4cd83',
    rows: [
      'e33df3841226fe7b', '08c926f8244c1afa', 'fa5220f4c4d17136', '27fc7d650a64df3b',
      '30ff687770ea3400', '6044ae561bc510a8', 'ad840349e6568313', '869557c11bedc1ff',
      '1f4e11f4ffdbeef2', '8785f960b27d1f35', 'e65c3e6c4b32b6b2', '8d0501750f7b250d',
      '27e5f94528b4cf13', '3cca0b757a39453b', '6ac5d51cdcfd285c', '1fcc3b82dc2585ca',
      'ff6806ab0a680481', '318b43cdac25d3e3', '185cb9c302e79b98', '19dd1004e82e01b6',
      '3288c9a4b6ea289c', 'f021d7d61122546e', 'c1be428f3c9afc33', '9b45cfdfffb63738',
      'eec4916af733e40c', 'd63aa8e465aae3e5', 'fac68d2c39ee6b70', '89d72c8e75079a5a',
      '9ad5ad6a888a0894', '1c3e37235181287a', '8d250b0c01856754', 'dfb836103d9127c3',
    ],
  },
  q6_k: {
    blocks: '68fa7c5c9794d9b8915c533c919943e283bc94aac0cf91b0b5493117a373bcfb',
    dequantized: '3f77fa2fd9883c04d1b13bfdec3f7998b949b5c8b54b82318fc6b963da80ef3b',
    rows: [
      '7321f3bc90c9f2bb', 'b4de069b296f72f8', 'f39708336d6a4479', '29a54ef00f2cde74',
      'd4f9b87f087668bd', '0ba0b043591acb19', '16d0edc8b7ad7705', 'ee60a07918a51422',
      'd7d03be023d38090', '4594669f3a2a8375', '9b108db2d7bcef9a', '7806c712258f9be7',
      '1ff9110b5b6cb538', '7aa02f4d159cc6ed', '2481bda40696be7e', '21eb19ebaee1784a',
      '7316e301087e62db', '7a6ddc97b7077bc7', 'ace2f46caaa0e657', '8b4588b140ffab12',
      'fda7515625058851', '0c7bd8934bfaf9e8', '16d0edc8b7ad7705', 'c158cd81a3ea895c',
      '6dce13235c16afe1', '12a46974d1333681', 'e05730c0cc91f223', '255a548b699f5669',
      'ce6a6fdb53779c4a', '3f4e9c7691a00a53', '47a4ac9ee9473396', '6387f691fe79cec7',
    ],
  },
  iq4_nl: {
    blocks: 'be66ad1064d279fd7146049224b3f1d90ccebf949628143e3dbff6f433b15de4',
    dequantized: '48fb9c72580bb041fa110293b2778e3cb4b66e21012b6d73f7ac3b169b6c604a',
    rows: [
      '220554f13df356c9', 'f8b2a942968d8073', 'bee36912ca0b5900', 'bcdf46d1f947d2a2',
      '156b3a12c7761c4f', '95b328087cbd39cc', '720acb1f037d597c', 'f668417d0290d32f',
      '11f0d39a7bb07425', 'ca9f0fd9739de7a1', 'af4c20f44844383b', 'd82dbcc5d30d2df0',
      '592b5c50e60f640b', 'db61fc84035f58e3', 'db768099b22d261d', '9452915ea95f3c24',
      '634f05adef9c34b8', '089af8d255e99c31', 'cae10c82f76c070a', '370ce42a334a5a5a',
      'f9360ce2112abcd0', 'd8e168fec271d969', '720acb1f037d597c', 'd528f0454a9f4b49',
      'f983b38617202f9a', '6d34a0e5b5b6b1aa', '225df713a0881e52', '7610dec384ddf32d',
      'b4d0c1d95ebb778e', 'aededbfc8ca51837', '073d65ad0fa2a6f2', 'f329493a1a7e1143',
    ],
  },
  tq1_0: {
    blocks: '3dd4a5a475230264a631035dc97c042e48566cdc79fa49baedb2ca1e758679d2',
    dequantized: '6d52acaedabf51efb7458ba4a7ec0ea84cd88b4dedbe8d10aa049ef060ed3c4d',
    rows: [
      '69c67c17243a96eb', '7712024086fe326a', '5b8a72e4f16d0444', '4e85f73e73f3807f',
      '9e63ced7e40b6821', '79f8ff2ba2016f77', 'f16b42a1237b696c', '2f41605da551bc8f',
      '3525c35ecca0292e', '92cd6b0f64b600c9', '779792e65c095f0b', 'fa4cb5b68d14a434',
      '48fd4bbb15f0dd93', '606505113a7098f9', 'a1896b44d131768e', '4d0707a91ba05687',
      '2b30d48bcf6562f8', '6c0ab1255856d582', '82162479b85d30f7', '7f630fb7818ad32c',
      '8801a7f05fae725f', 'fe1d276f46fde449', '058cb2d4b481a5ad', '90e9817b1ceab121',
      '5ee0d50891845ee5', '689f3585b76a3fa0', '29004b190eee2b31', '1d994c34fd9558a8',
      '90e42b211ae6f2cb', '2ef49090c3470dc9', '8f5638cbce83fe30', 'fea39053884588c5',
    ],
  },
  tq2_0: {
    blocks: 'e5d11ef66f499206c4f4d38a39d75a7ba75c5898c22577e9b7068ebff871274a',
    dequantized: '6d52acaedabf51efb7458ba4a7ec0ea84cd88b4dedbe8d10aa049ef060ed3c4d',
    rows: [
      '1aa5c05a322c0bf2', '9ecebcb13430cf96', 'f6fb7a861b56af5a', '6a525bc91b9d0af2',
      '86a82ae96a105b4f', '635cfb77d7c967a9', '9273064924b8c52a', '6ef05a05603a8835',
      '0276802db8e6373e', '2205816e7fef57af', 'a5523cbdcc5b4ca9', 'ffe897edf916f043',
      'd220f71ecd20df51', 'b621fcea716e0dfa', '775302afff49661b', '262fff91ce89d157',
      '4ba4606a19e8e1a3', '3505c1ef128ebf5c', '612da85a6301f6b6', '9397b2020ec01ac0',
      '8b057f8e8da109d6', '216779ad1a4ab8b6', '92a870f0a615de47', '95f15e64d5ff9778',
      'e7d8a7048b0b7f87', '11ca9a1045a59ff2', '92fbda3977e8db70', '853dc69de11e8b1d',
      '0f4d774ffdc4193b', '3a340b6d2aac847d', '2b03dd1043c174b8', '3c5990b9a5093493',
    ],
  },
  iq4_nl_ref: {
    blocks: '19e731db73878d9e80f469e0122d46d551dc7abf3328c5c510e5e707505ab9c2',
    dequantized: '953c4a01111d91f654d8287ebbe0ae57513bbd5d40d668206cf44dad4b8e91f9',
    rows: [
      'c7b02ed6451cb536', '1031a5fb8ec52ab3', '2ee209ac75849f18', '5b176806d3852bbc',
      '7e575afaa354d6ff', '2a84ea3b68d1ccc8', '1a0295f4bf5986c5', '21cc6eda2fc9ff50',
      '68eddc8c3a06e4c9', '4141050f8af3ee28', '6d56156dc52794fb', '61db273a3aa1bf15',
      'a78e2c8aaee2eee1', '40f3fd1065d96a81', '50033587197f5956', 'ff0f004b717b8d03',
      'e7ff2048363eb8cd', '02fe58aa42792d18', 'b87a43825ef97e87', '4e3127330091e94c',
      '3e9c81de850c9ed8', 'b97a44b444185769', '1a0295f4bf5986c5', '6456e42b637e2e11',
      'aee074b764dee3a2', '8b23cd216bed52ee', '5851e5eae9f178ed', 'b2969cb14184f682',
      '2906f97f0e13a72e', '687a7e643c21403d', 'd12b998e7b58b8d4', '862047736ceb617d',
    ],
  },
  mxfp4_ref: {
    blocks: '1973abd49c1e4b2f824e0d1cdf5447e7db07491cac6c2e8858114e1aa4f5e92a',
    dequantized: '77a641a11517530bf53ece6e4b0249ec391d2c409a28b90ad73bcca083edcdcc',
    rows: [
      '7d44d46d64b66274', 'a72bd76fe90ccb36', 'b231ff7271e317ca', '2a7ce74e75e7c70b',
      'b97ece733a59c808', '761ab7e02da257e6', 'f058d22e2826536f', '57499c8bc942bb44',
      '2a486298c8b04362', 'b38a370f1eaeb526', '6b8ab8b1f0e531e3', 'fa3be01960ca581c',
      '5cff38f0ea06b5d2', 'ee1625e89cca16c0', '5c770467e6481660', '9c1ec9d7aa6717e4',
      '8557644063e215ef', 'fe4c5c30024849c2', '1b69d778c1830118', 'eb451a53b0f53a2f',
      'f53651f0912f5b02', '5badefb275235ec4', 'eb461541247c0dea', 'eca5d1270c4c95d7',
      '7d8993c5d0265611', '2db36530be948d4d', '2bb371f8a53fd023', '6730103327880cdd',
      '1eb806ff92258be2', '0ea8b77e03d84802', 'e536d133515b2c3b', '5ff857c94faf859d',
    ],
  },
};
