from django import forms


class VerifyUploadForm(forms.Form):
    file = forms.FileField(
        label="上传 PDF 文件",
        help_text="选择您持有的报告 PDF；系统计算其 SHA-256 并与门户存档比对，文件不会被保存。",
    )
